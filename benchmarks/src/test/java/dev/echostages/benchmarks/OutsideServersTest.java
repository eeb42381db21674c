package dev.echostages.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.echostages.benchmarks.harness.ExternalServer;
import dev.echostages.benchmarks.harness.RepoRoot;
import dev.echostages.benchmarks.harness.ServerFixture;
import dev.echostages.benchmarks.reference.ThreadPerConnectionEchoServer;
import dev.echostages.benchmarks.report.ReportGenerator;
import dev.echostages.benchmarks.run.MemoryReadings;
import dev.echostages.benchmarks.run.RunFolder;
import dev.echostages.benchmarks.run.RunNotes;
import dev.echostages.tools.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --external NAME=COMMAND}: an outside server is one more row in every benchmark, table
 * and chart; one that never listens or echoes wrongly is left out with its reason, and the run
 * carries on. The outside servers here are Java programs (started with this JVM's java), so the
 * tests run wherever the build does; only the Python example needs python3, and is skipped
 * without it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OutsideServersTest {
    private static final BenchmarkMain.Settings TINY = new BenchmarkMain.Settings(1, 200, 1, 300, List.of(0, 100));

    @AfterEach
    void forgetTheOutsideServers() {
        ExternalServer.declared().keySet().forEach(name -> System.clearProperty(ExternalServer.PROPERTY_PREFIX + name));
        System.clearProperty(ServerFixture.STARTUP_TIMEOUT_PROPERTY);
    }

    /** The command that runs {@code mainClass} from this test's class path, quoted for ExternalServer's word splitting. */
    private static String javaCommand(String mainClass, String... args) {
        List<String> words = new ArrayList<>(ServerProcess.javaCommand(mainClass, List.of(args)));
        return String.join(" ", words.stream().map(word -> word.contains(" ") ? "'" + word + "'" : word).toList());
    }

    private static List<BenchmarkMain.Plan> roundTripAtNoIdleConnections(List<String> servers) {
        return List.of(new BenchmarkMain.Plan(RoundTripBenchmark.class, servers, "idleConnections", List.of("0"), List.of("unpinned")));
    }

    @Test
    void aWorkingOutsideServerIsOneMoreRowInTheBenchmarksTheMemoryTableAndTheReport() throws Exception {
        Path out = RepoRoot.find().resolve("benchmarks/target/test-outside-working");
        ExternalServer outside = ExternalServer.parse("javaecho=" + javaCommand(ThreadPerConnectionEchoServer.class.getName(),
                "--port", "{port}", "--quiet"));

        BenchmarkMain.runAndReport(roundTripAtNoIdleConnections(List.of()), List.of(), TINY, "test",
                out, out, List.of(outside));

        List<String> measured = new ArrayList<>();
        for (JsonElement result : JsonParser.parseString(Files.readString(out.resolve("jmh-result.json"))).getAsJsonArray()) {
            measured.add(result.getAsJsonObject().getAsJsonObject("params").get("server").getAsString());
        }
        assertEquals(List.of("javaecho"), measured);
        MemoryReadings memory = RunFolder.readJson(out, RunFolder.MEMORY_FILE, MemoryReadings.class);
        assertEquals(2, memory.rows().size(), memory.toString());
        assertTrue(memory.rows().stream().allMatch(row -> row.server().equals("javaecho") && row.heapKiB() > 0), memory.toString());
        String report = Files.readString(out.resolve(ReportGenerator.REPORT_FILE));
        assertTrue(report.contains("| javaecho (outside) |"), report);
        assertTrue(report.contains("Outside server `javaecho`"), report);
    }

    @Test
    void outsideServersThatAreMissingNeverListenOrEchoWronglyAreLeftOutWithTheReasonAndTheRunCarriesOn() throws Exception {
        Path out = RepoRoot.find().resolve("benchmarks/target/test-outside-failing");
        System.setProperty(ServerFixture.STARTUP_TIMEOUT_PROPERTY, "3");
        String helpers = "dev.echostages.benchmarks.harness.MisbehavingServers$";
        List<ExternalServer> outside = List.of(
                ExternalServer.parse("silent=" + javaCommand(helpers + "NeverListens", "{port}")),
                ExternalServer.parse("shouty=" + javaCommand(helpers + "WrongEcho", "{port}")),
                // As the full run's asyncio row on a machine without python3:
                ExternalServer.parse("absent=no-such-program-of-echo-stages --port {port}"));

        BenchmarkMain.runAndReport(roundTripAtNoIdleConnections(List.of("selector")), List.of("selector"), TINY, "test",
                out, out, outside);

        String results = Files.readString(out.resolve("jmh-result.json"));
        assertTrue(results.contains("\"selector\""), "the run carried on with the selector");
        RunNotes notes = RunFolder.readJson(out, RunFolder.NOTES_FILE, RunNotes.class);
        assertEquals(3, notes.outsideServers().size());
        String silent = notes.outsideServers().get(0).failure();
        String shouty = notes.outsideServers().get(1).failure();
        assertNotNull(silent);
        assertTrue(silent.startsWith("silent did not accept a connection and echo a line on 127.0.0.1:"), silent);
        assertNotNull(shouty);
        assertTrue(shouty.contains("but echoed 'ECHO-STAGES READINESS PROBE\\n' instead of 'echo-stages readiness probe\\n'"), shouty);
        String report = Files.readString(out.resolve(ReportGenerator.REPORT_FILE));
        assertTrue(report.contains("**Outside server `silent` could not be measured:** silent did not accept"), report);
        assertTrue(report.contains("**Outside server `shouty` could not be measured:**"), report);
        assertTrue(report.contains("**Outside server `absent` could not be measured:** no-such-program-of-echo-stages is not "
                + "on PATH, so absent was not run"), report);
        assertTrue(report.contains("| stage 4 selector |"), report);
    }

    @Test
    void theAsyncioExampleEchoesLinesByteForByteAndTheTailAtEndOfStream() throws Exception {
        Assumptions.assumeTrue(onPath("python3"),
                "python3 is not on PATH: the asyncio example (benchmarks/python/asyncio_echo.py) cannot be tried here");
        Path script = RepoRoot.find().resolve("benchmarks/python/asyncio_echo.py");
        System.setProperty(ExternalServer.PROPERTY_PREFIX + "asyncio", "python3 '" + script + "' --port {port}");
        try (ServerProcess server = ServerFixture.startServer("asyncio", null, 1);
                var connection = new dev.echostages.benchmarks.harness.EchoConnection(server.port())) {
            for (String line : List.of("hello\n", "crlf\r\n", "lone \r is data\n")) {
                byte[] bytes = line.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                connection.send(bytes);
                connection.expectEcho(bytes);
            }
        }
        // The contract's choice for an unterminated tail at EOF, as the Java servers make it: echo it.
        try (ServerProcess server = ServerFixture.startServer("asyncio", null, 1);
                java.net.Socket client = new java.net.Socket("127.0.0.1", server.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("line\nno newline".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertEquals("line\nno newline", new String(client.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }
}
