package io.vexfs.core.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * The fields of an .npy header, parsed from its Python dict literal: keys 'descr', 'fortran_order'
 * and 'shape' in any order, single or double quotes, optional spaces, trailing commas. Only the
 * literal forms numpy writes for these keys are understood: strings, True/False, tuples of ints.
 */
record NpyHeaderDict(String descr, boolean fortranOrder, long[] shape) {
    private static final String WHERE = "header";
    /** Shape entries saturate here: far beyond any accepted size, and safe to multiply. */
    private static final long SATURATED = 1L << 40;
    private static final int SHOWN_CHARS = 32;

    static NpyHeaderDict parse(String text) throws InvalidInputException {
        return new Parser(text).dict();
    }

    private static final class Parser {
        private final String text;
        private int at;
        private String descr;
        private Boolean fortranOrder;
        private long[] shape;

        Parser(String text) {
            this.text = text;
        }

        NpyHeaderDict dict() throws InvalidInputException {
            skipSpace();
            expect('{');
            skipSpace();
            while (peek() != '}') {
                entry();
                skipSpace();
                if (peek() != ',') {
                    break;
                }
                at++;
                skipSpace();
            }
            expect('}');
            skipSpace();
            if (at != text.length()) {
                throw malformed("nothing but padding after the dict");
            }
            if (descr == null || fortranOrder == null || shape == null) {
                String missing = descr == null ? "descr" : fortranOrder == null ? "fortran_order" : "shape";
                throw new InvalidInputException(WHERE, "the header dict has no '" + missing + "'");
            }
            return new NpyHeaderDict(descr, fortranOrder, shape);
        }

        private void entry() throws InvalidInputException {
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            switch (key) {
                case "descr" -> {
                    checkFirst(descr, key);
                    descr = string();
                }
                case "fortran_order" -> {
                    checkFirst(fortranOrder, key);
                    fortranOrder = bool();
                }
                case "shape" -> {
                    checkFirst(shape, key);
                    shape = tuple();
                }
                default -> throw new InvalidInputException(WHERE, "unexpected key " + quote(key)
                        + " (an .npy header has only 'descr', 'fortran_order' and 'shape')");
            }
        }

        private static void checkFirst(Object previous, String key) throws InvalidInputException {
            if (previous != null) {
                throw new InvalidInputException(WHERE, "key '" + key + "' appears twice");
            }
        }

        private String string() throws InvalidInputException {
            char quote = peek();
            if (quote != '\'' && quote != '"') {
                throw malformed("a quoted string");
            }
            int end = text.indexOf(quote, at + 1);
            if (end < 0) {
                throw malformed("a closing " + quote);
            }
            String value = text.substring(at + 1, end);
            at = end + 1;
            return value;
        }

        private boolean bool() throws InvalidInputException {
            if (text.startsWith("True", at)) {
                at += 4;
                return true;
            }
            if (text.startsWith("False", at)) {
                at += 5;
                return false;
            }
            throw malformed("True or False");
        }

        private long[] tuple() throws InvalidInputException {
            expect('(');
            skipSpace();
            List<Long> items = new ArrayList<>();
            boolean comma = false;
            while (peek() != ')') {
                items.add(integer());
                skipSpace();
                comma = peek() == ',';
                if (!comma) {
                    break;
                }
                at++;
                skipSpace();
            }
            expect(')');
            if (items.size() == 1 && !comma) {
                throw new InvalidInputException(WHERE, "shape (" + items.getFirst() + ") is not a tuple; write ("
                        + items.getFirst() + ",)");
            }
            return items.stream().mapToLong(Long::longValue).toArray();
        }

        private long integer() throws InvalidInputException {
            int start = at;
            long value = 0;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                value = Math.min(SATURATED, value * 10 + (text.charAt(at) - '0'));
                at++;
            }
            if (at == start) {
                throw malformed("a non-negative integer");
            }
            return value;
        }

        private char peek() {
            return at < text.length() ? text.charAt(at) : '\0';
        }

        private void expect(char c) throws InvalidInputException {
            if (peek() != c) {
                throw malformed("'" + c + "'");
            }
            at++;
        }

        private void skipSpace() {
            while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t'
                    || text.charAt(at) == '\n' || text.charAt(at) == '\r')) {
                at++;
            }
        }

        private InvalidInputException malformed(String expected) {
            String found = at < text.length() ? quote(text.substring(at)) : "the end";
            return new InvalidInputException(WHERE,
                    "malformed header dict: expected " + expected + " at offset " + at + ", found " + found);
        }
    }

    /** A header string for a message: quoted, at most 32 characters, control characters as \xNN. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        int end = Math.min(s.length(), SHOWN_CHARS);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(end < s.length() ? "...'" : "'").toString();
    }
}
