package dev.echostages.stage4;

import dev.echostages.common.testing.ConcurrentEchoContractTest;
import dev.echostages.common.testing.EchoContractTest;
import dev.echostages.common.testing.ServerRecipe;
import org.junit.jupiter.api.Nested;

/** Stage 4 keeps the whole echo contract, one client at a time and many at once. */
class SelectorEchoContractTest {
    private static final ServerRecipe SELECTOR = ServerRecipe.of(SelectorEchoServer.commandLine(), SelectorEchoServer::new);

    @Nested
    class OneClientAtATime extends EchoContractTest {
        OneClientAtATime() {
            super(SELECTOR);
        }
    }

    @Nested
    class ManyClientsAtOnce extends ConcurrentEchoContractTest {
        ManyClientsAtOnce() {
            super(SELECTOR);
        }
    }
}
