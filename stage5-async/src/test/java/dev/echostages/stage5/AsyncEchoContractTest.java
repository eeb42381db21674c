package dev.echostages.stage5;

import dev.echostages.tools.testing.FullEchoContract;
import dev.echostages.tools.testing.ServerRecipe;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both stage 5 servers keep the whole echo contract, one client at a time and many at once: the
 * same suites every stage runs, once per {@code --server}.
 */
@ParameterizedClass(name = "--server {0}")
@ValueSource(strings = {"virtual", "channels"})
class AsyncEchoContractTest extends FullEchoContract {
    AsyncEchoContractTest(String serverKind) {
        super(ServerRecipe.of(AsyncEchoServer.commandLine(), AsyncEchoServer.factory(), "--server", serverKind));
    }
}
