package dev.echostages.stage3;

import dev.echostages.common.testing.ConcurrentEchoContractTest;
import dev.echostages.common.testing.EchoContractTest;
import dev.echostages.common.testing.ServerRecipe;
import org.junit.jupiter.api.Nested;

/** Stage 3 keeps the whole echo contract, one client at a time and many at once. */
class BusyLoopEchoContractTest {
    private static final ServerRecipe BUSY_LOOP = ServerRecipe.of(BusyLoopEchoServer.commandLine(), BusyLoopEchoServer::new);

    @Nested
    class OneClientAtATime extends EchoContractTest {
        OneClientAtATime() {
            super(BUSY_LOOP);
        }
    }

    @Nested
    class ManyClientsAtOnce extends ConcurrentEchoContractTest {
        ManyClientsAtOnce() {
            super(BUSY_LOOP);
        }
    }
}
