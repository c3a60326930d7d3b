/** A problem the user has to fix (inputs, toolchain); Main prints only its message. */
final class GeneratorException extends RuntimeException {
    GeneratorException(String message) {
        super(message);
    }
}
