package dev.echostages.benchmarks.harness;

import dev.echostages.benchmarks.reference.BareNio2EchoServer;
import dev.echostages.benchmarks.reference.BareSelectorEchoServer;
import dev.echostages.benchmarks.reference.BareVirtualThreadEchoServer;
import dev.echostages.benchmarks.reference.NettyEchoServer;
import dev.echostages.benchmarks.reference.ThreadPerConnectionEchoServer;
import dev.echostages.tools.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every server the benchmarks compare, and how to start it as a process of its own. The
 * {@link #id} is what the JMH {@code server} parameter and the report use.
 *
 * <p>Stage servers start from the jar their module builds ({@code <repo>/<module>/target/<module>.jar});
 * the references start from this module's classpath with their own {@code main}. The three bare
 * servers are measured against the stage of their model only (see {@code BareCostMeasurement}).
 */
public enum ServerKind {
    BUSYLOOP("busyloop", "stage 3 busy loop", "stage3-nonblocking-busyloop", null),
    SELECTOR("selector", "stage 4 selector", "stage4-selector", null),
    NIO2("nio2", "stage 5 NIO.2 channels", "stage5-async", null, "--server", "channels"),
    VIRTUAL("virtual", "stage 5 virtual threads", "stage5-async", null, "--server", "virtual"),
    THREADS("threads", "thread per connection (ref.)", null, ThreadPerConnectionEchoServer.class),
    NETTY("netty", "Netty NIO (ref.)", null, NettyEchoServer.class),
    BARE_SELECTOR("bare-selector", "bare selector loop (ref.)", null, BareSelectorEchoServer.class),
    BARE_VIRTUAL("bare-virtual", "bare virtual threads (ref.)", null, BareVirtualThreadEchoServer.class),
    BARE_NIO2("bare-nio2", "bare NIO.2 handlers (ref.)", null, BareNio2EchoServer.class);

    /** Where {@link #snapshotJars} copied the stage jars; set for the JMH forks by the launcher. */
    public static final String JARS_PROPERTY = "echostages.serverJars";

    /** The JMH parameter values, in the order tables and charts list them. */
    public static final String ALL_IDS = "busyloop,selector,nio2,virtual,threads,netty";
    public static final List<String> ALL_IDS_LIST = List.of(ALL_IDS.split(","));
    /**
     * Stage 5's servers refuse clients past {@code --max-clients} (10,000 by default); the harness
     * raises it to what a trial opens plus this margin, so a trial measures the server, not its limit.
     */
    static final int CLIENT_MARGIN = 64;

    private final String id;
    private final String label;
    private final String module;
    private final Class<?> mainClass;
    private final List<String> extraArgs;

    ServerKind(String id, String label, String module, Class<?> mainClass, String... extraArgs) {
        this.id = id;
        this.label = label;
        this.module = module;
        this.mainClass = mainClass;
        this.extraArgs = List.of(extraArgs);
    }

    public String id() {
        return id;
    }

    public String label() {
        return label;
    }

    /** The report's name for a server of this repository or an outside one. */
    public static String labelOf(String id) {
        return Arrays.stream(values()).anyMatch(kind -> kind.id.equals(id)) ? byId(id).label() : id + " (outside)";
    }

    /** Whether {@code id} names a server of this repository (a stage or a reference). */
    public static boolean isOurs(String id) {
        return Arrays.stream(values()).anyMatch(kind -> kind.id.equals(id));
    }

    public static ServerKind byId(String id) {
        return Arrays.stream(values()).filter(kind -> kind.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no server '" + id + "'; known: " + ALL_IDS));
    }

    private static Path builtJar(String module) {
        return RepoRoot.find().resolve(module).resolve("target").resolve(module + ".jar");
    }

    /**
     * Copies every stage jar that exists into {@code dir} and points {@link #command} at the
     * copies (through {@link #JARS_PROPERTY}), so that a module rebuilt while a long run is going
     * (its jar replaced under a running server) cannot break the run halfway.
     */
    public static void snapshotJars(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (ServerKind kind : values()) {
            if (kind.module != null && Files.isRegularFile(builtJar(kind.module))) {
                Files.copy(builtJar(kind.module), dir.resolve(kind.module + ".jar"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        System.setProperty(JARS_PROPERTY, dir.toString());
    }

    /**
     * The java command that starts this server on a free loopback port with logging off, with
     * limits that let it serve {@code connections} clients at once.
     */
    public List<String> command(int connections) {
        List<String> args = new ArrayList<>(extraArgs);
        args.addAll(List.of("--host", "127.0.0.1", "--port", "0", "--quiet"));
        if ("stage5-async".equals(module)) {
            args.addAll(List.of("--max-clients", Integer.toString(Math.max(10_000, connections + CLIENT_MARGIN))));
        }
        if (module == null) {
            return ServerProcess.javaCommand(mainClass.getName(), args);
        }
        String snapshot = System.getProperty(JARS_PROPERTY);
        Path jar = snapshot != null && !snapshot.equals("null") ? Path.of(snapshot).resolve(module + ".jar") : builtJar(module);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (./mvnw -q -pl "
                    + module + " -am package -DskipTests)");
        }
        List<String> command = new ArrayList<>(List.of(ServerProcess.javaBinary(), "-jar", jar.toString()));
        command.addAll(args);
        return command;
    }
}
