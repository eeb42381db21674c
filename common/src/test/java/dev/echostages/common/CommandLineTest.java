package dev.echostages.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    private final CommandLine commandLine = new CommandLine("test", "a test server")
            .intOption("--chunk", 2, 1, 100, "bytes per read")
            .choice("--server", List.of("virtual", "channels"), "which server")
            .flag("--stats", true, "print stats");

    @Test
    void defaultsMatchTheBook() throws Exception {
        ServerOptions options = commandLine.parse();
        assertEquals(8000, options.port());
        assertEquals("127.0.0.1", options.host());
        assertEquals(Protocol.DEFAULT_MAX_LINE, options.maxLine());
        assertFalse(options.quiet());
        assertEquals(2, options.intValue("--chunk"));
        assertEquals("virtual", options.choice("--server"));
        assertTrue(options.flag("--stats"));
    }

    @Test
    void optionsTakeSeparateOrInlineValues() throws Exception {
        ServerOptions options = commandLine.parse("--port", "0", "--chunk=7", "--server", "channels", "--no-stats", "--quiet");
        assertEquals(0, options.port());
        assertEquals(7, options.intValue("--chunk"));
        assertEquals("channels", options.choice("--server"));
        assertFalse(options.flag("--stats"));
        assertTrue(options.quiet());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThrows(CommandLine.UsageException.class, () -> commandLine.parse("--port", "70000"));
        assertThrows(CommandLine.UsageException.class, () -> commandLine.parse("--port", "eighty"));
        assertThrows(CommandLine.UsageException.class, () -> commandLine.parse("--port"));
        assertThrows(CommandLine.UsageException.class, () -> commandLine.parse("--colour", "blue"));
        assertThrows(CommandLine.UsageException.class, () -> commandLine.parse("--server", "green"));
        assertThrows(CommandLine.HelpRequested.class, () -> commandLine.parse("--help"));
    }

    /** The message of the usage error that parsing {@code args} must end in. */
    private String usageError(String... args) {
        return assertThrows(CommandLine.UsageException.class, () -> commandLine.parse(args)).getMessage();
    }

    @Test
    void aFlagGivenAValueIsAnErrorNotSilentlyOn() {
        assertEquals("--quiet is a flag and takes no value, got '--quiet=no': write --quiet alone, or --no-quiet if it can be off",
                usageError("--quiet=no"));
        assertTrue(usageError("--no-stats=yes").startsWith("--no-stats is a flag and takes no value"));
        assertTrue(usageError("--stats=").startsWith("--stats is a flag and takes no value"));
    }

    @Test
    void numbersTakeAsciiDigitsOnly() throws Exception {
        assertEquals("--port wants a whole number in the digits 0-9, got '\u0660'", usageError("--port", "\u0660"));
        assertEquals("--port wants a whole number in the digits 0-9, got '+80'", usageError("--port", "+80"));
        assertEquals("--port wants a whole number in the digits 0-9, got '\uff18\uff10'", usageError("--port=\uff18\uff10"));
        assertEquals("--port must be between 0 and 65535, got '99999999999999999999999'", usageError("--port", "99999999999999999999999"));
        assertEquals("--chunk must be between 1 and 100, got '-5'", usageError("--chunk", "-5"));
        assertEquals(65535, commandLine.parse("--port", "65535").port());
    }

    @Test
    void errorLinesQuoteAtMostSixtyCharactersOfWhatWasTyped() {
        String huge = "--" + "x".repeat(100_000);
        String message = usageError(huge);
        assertEquals("unknown option '" + huge.substring(0, 60) + "'... (100,002 characters)", message);
        assertEquals("--port must be between 0 and 65535, got '" + "9".repeat(60) + "'... (5,000 characters)", usageError("--port", "9".repeat(5000)));
        assertEquals("unknown option '--bell\\u0007'", usageError("--bell\u0007"));
    }

    @Test
    void anEmptyArgumentIsNamedAsSuch() {
        assertEquals("unknown option an empty argument", usageError(""));
        assertEquals("--port wants a whole number in the digits 0-9, got an empty argument", usageError("--port", ""));
        assertEquals("--port wants a whole number in the digits 0-9, got an empty argument", usageError("--port="));
        assertEquals("--host needs a value, got an empty argument", usageError("--host", ""));
    }
}
