package dev.hako.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgParserTest {

    private static final List<Flag> FLAGS = List.of(
            Flag.string("bundle", "", "b"),
            Flag.bool("detach", "", "d"),
            Flag.integer("preserve-fds", ""),
            Flag.strings("env", "", "e"),
            Flag.duration("interval", ""));

    private static ParsedArgs parse(String... args) throws UsageException {
        return ArgParser.parse(FLAGS, List.of(args), Integer.MAX_VALUE);
    }

    @Test
    void everySyntaxUrfaveAcceptsGivesTheSameValue() throws Exception {
        for (List<String> line : List.of(List.of("--bundle", "/b", "id"), List.of("--bundle=/b", "id"),
                List.of("-bundle", "/b", "id"), List.of("-bundle=/b", "id"), List.of("-b", "/b", "id"),
                List.of("--b", "/b", "id"), List.of("-b=/b", "id"), List.of("id", "--bundle", "/b"))) {
            ParsedArgs p = ArgParser.parse(FLAGS, line, Integer.MAX_VALUE);
            assertEquals("/b", p.string("bundle"), line.toString());
            assertEquals(List.of("id"), p.positional(), line.toString());
        }
    }

    @Test
    void boolFlagsTakeNoValueUnlessJoinedByEquals() throws Exception {
        ParsedArgs p = parse("-d", "id");
        assertTrue(p.bool("detach"));
        assertEquals(List.of("id"), p.positional());
        assertFalse(parse("--detach=false", "id").bool("detach"));
        assertTrue(parse("--detach=1").bool("detach"));
        assertTrue(parse("--detach=T").bool("detach"));
        // "false" after a bool flag is an argument, as with Go's flag package
        assertEquals(List.of("false"), parse("--detach", "false").positional());
        assertFalse(parse("id").bool("detach"));
        UsageException e = assertThrows(UsageException.class, () -> parse("--detach=yes"));
        assertEquals("invalid boolean value \"yes\" for -detach: parse error", e.getMessage());
    }

    @Test
    void doubleDashEndsTheFlagsAndALoneDashIsAnArgument() throws Exception {
        ParsedArgs p = parse("-d", "--", "--bundle", "x");
        assertEquals(List.of("--bundle", "x"), p.positional());
        assertFalse(p.isSet("bundle"));
        assertEquals(List.of("-"), parse("-").positional());
    }

    @Test
    void aValueMayStartWithADash() throws Exception {
        assertEquals("-x", parse("--bundle", "-x").string("bundle"));
        assertEquals("", parse("--bundle=").string("bundle"));
    }

    @Test
    void repeatedFlagsAccumulateOrTheLastWins() throws Exception {
        ParsedArgs p = parse("-e", "A=1", "--env=B=2", "-b", "one", "-b", "two");
        assertEquals(List.of("A=1", "B=2"), p.strings("env"));
        assertEquals("two", p.string("bundle"));
    }

    @Test
    void integersAndDurationsInGoSyntax() throws Exception {
        assertEquals(3, parse("--preserve-fds", "3").integer("preserve-fds", 0));
        assertEquals(16, parse("--preserve-fds=0x10").integer("preserve-fds", 0));
        assertEquals(Duration.ofMillis(1500), parse("--interval", "1.5s").duration("interval", null));
        UsageException e = assertThrows(UsageException.class, () -> parse("--preserve-fds", "three"));
        assertEquals("invalid value \"three\" for flag -preserve-fds: parse error", e.getMessage());
        assertThrows(UsageException.class, () -> parse("--interval", "5"));
    }

    @Test
    void stopAfterLeavesTheRestToTheCommand() throws Exception {
        ParsedArgs p = ArgParser.parse(FLAGS, List.of("-d", "id", "ls", "-l", "--bundle", "x"), 1);
        assertTrue(p.bool("detach"));
        assertEquals(List.of("id", "ls", "-l", "--bundle", "x"), p.positional());
        assertFalse(p.isSet("bundle"));
    }

    @Test
    void unknownFlagsMissingValuesAndBadSyntaxAreUsageErrors() {
        assertEquals("flag provided but not defined: -bogus",
                assertThrows(UsageException.class, () -> parse("--bogus", "id")).getMessage());
        assertEquals("flag provided but not defined: -x",
                assertThrows(UsageException.class, () -> parse("id", "-x")).getMessage());
        assertEquals("flag needs an argument: -bundle",
                assertThrows(UsageException.class, () -> parse("id", "--bundle")).getMessage());
        assertEquals("bad flag syntax: ---bundle",
                assertThrows(UsageException.class, () -> parse("---bundle", "x")).getMessage());
        assertEquals("bad flag syntax: -=x", assertThrows(UsageException.class, () -> parse("-=x")).getMessage());
        // one-letter flags do not combine (urfave/cli as runc sets it up)
        assertThrows(UsageException.class, () -> parse("-dt"));
    }

    @Test
    void helpIsAskedForWithEitherSpelling() throws Exception {
        assertTrue(parse("-h").help());
        assertTrue(parse("id", "--help").help());
        assertFalse(parse("id").help());
    }
}
