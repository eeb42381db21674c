package dev.echostages.tools.testing;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a test starts one server: its command line (so stage options parse as they do for a user),
 * its constructor, and the options every test of a suite wants. The contract suites take one of
 * these, so a stage says who it is in a single line.
 */
public record ServerRecipe(CommandLine commandLine, EchoServer.Factory factory, List<String> options) {

    public ServerRecipe {
        options = List.copyOf(options);
    }

    public static ServerRecipe of(CommandLine commandLine, EchoServer.Factory factory, String... options) {
        return new ServerRecipe(commandLine, factory, Arrays.asList(options));
    }

    /** Starts the server on 127.0.0.1 and a free port, with this recipe's options and then {@code more}. */
    public RunningServer start(String... more) throws IOException {
        List<String> all = new ArrayList<>(options);
        all.addAll(Arrays.asList(more));
        return RunningServer.start(commandLine, factory, all.toArray(String[]::new));
    }
}
