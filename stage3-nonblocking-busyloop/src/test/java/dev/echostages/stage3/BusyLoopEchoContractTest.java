package dev.echostages.stage3;

import dev.echostages.tools.testing.FullEchoContract;
import dev.echostages.tools.testing.ServerRecipe;

/** Stage 3 keeps the whole echo contract, one client at a time and many at once. */
class BusyLoopEchoContractTest extends FullEchoContract {
    BusyLoopEchoContractTest() {
        super(ServerRecipe.of(BusyLoopEchoServer.commandLine(), BusyLoopEchoServer::new));
    }
}
