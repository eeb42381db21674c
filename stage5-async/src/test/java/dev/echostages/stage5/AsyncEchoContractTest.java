package dev.echostages.stage5;

import dev.echostages.common.testing.ConcurrentEchoContractTest;
import dev.echostages.common.testing.EchoContractTest;
import dev.echostages.common.testing.ServerRecipe;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both stage 5 servers keep the whole echo contract, one client at a time and many at once: the
 * same two suites every stage runs, once per {@code --server}.
 */
@ParameterizedClass(name = "--server {0}")
@ValueSource(strings = {"virtual", "channels"})
class AsyncEchoContractTest {
    private final ServerRecipe recipe;

    AsyncEchoContractTest(String serverKind) {
        recipe = ServerRecipe.of(AsyncEchoServer.commandLine(), AsyncEchoServer.factory(), "--server", serverKind);
    }

    @Nested
    class OneClientAtATime extends EchoContractTest {
        OneClientAtATime() {
            super(recipe);
        }
    }

    @Nested
    class ManyClientsAtOnce extends ConcurrentEchoContractTest {
        ManyClientsAtOnce() {
            super(recipe);
        }
    }
}
