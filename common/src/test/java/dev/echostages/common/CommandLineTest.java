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
}
