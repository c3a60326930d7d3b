package dev.hako.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Columns as Go's {@code text/tabwriter} with runc's settings ({@code minwidth 12, padding 3,
 * padchar ' '}) lays them out: every column but the last is as wide as its widest cell plus
 * three, and at least twelve; the last is not padded.
 */
final class TabTable {

    private static final int MIN_WIDTH = 12;
    private static final int PADDING = 3;

    private final List<List<String>> rows = new ArrayList<>();

    TabTable row(String... cells) {
        rows.add(List.of(cells));
        return this;
    }

    @Override
    public String toString() {
        int columns = rows.stream().mapToInt(List::size).max().orElse(0);
        int[] width = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < row.size() - 1; c++) {
                width[c] = Math.max(width[c], Math.max(MIN_WIDTH, row.get(c).codePointCount(0, row.get(c).length())
                        + PADDING));
            }
        }
        StringBuilder b = new StringBuilder();
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                b.append(cell);
                if (c < row.size() - 1) {
                    b.repeat(' ', width[c] - cell.codePointCount(0, cell.length()));
                }
            }
            b.append('\n');
        }
        return b.toString();
    }
}
