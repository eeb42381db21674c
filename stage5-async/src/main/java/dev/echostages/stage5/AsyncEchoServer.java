package dev.echostages.stage5;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.ServerMain;
import java.util.List;

/**
 * Stage 5: asynchronous echo servers, errors inside tasks, and graceful shutdown.
 *
 * <p>(Narrative to be written with the servers: {@link VirtualThreadEchoServer} and
 * {@link ChannelsEchoServer}; {@code --server} picks one.)
 */
public final class AsyncEchoServer {
    private AsyncEchoServer() {
    }

    static CommandLine commandLine() {
        return new CommandLine("stage5-async",
                "Echo server, stage 5: virtual threads or NIO.2 completion handlers, errors in tasks, graceful shutdown.")
                .choice("--server", List.of("virtual", "channels"),
                        "virtual: one virtual thread per client; channels: AsynchronousSocketChannel callbacks")
                .intOption("--grace-ms", 2000, 0, 600_000,
                        "on SIGTERM/Ctrl-C, how long in-flight echoes may take before the rest is closed")
                .intOption("--max-clients", 10_000, 1, 1_000_000,
                        "more simultaneous clients than this are refused with a one-line error")
                .intOption("--carriers", 0, 0, 1024,
                        "virtual server only: carrier (OS) threads for virtual threads; 0 = one per core");
    }

    /** Picks the server named by {@code --server}. */
    static EchoServer.Factory factory() {
        return (options, log) -> switch (options.choice("--server")) {
            case "channels" -> new ChannelsEchoServer(options, log);
            default -> new VirtualThreadEchoServer(options, log);
        };
    }

    public static void main(String[] args) {
        ServerMain.run(args, commandLine(), factory());
    }
}
