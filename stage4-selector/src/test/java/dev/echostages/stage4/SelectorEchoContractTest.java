package dev.echostages.stage4;

import dev.echostages.tools.testing.FullEchoContract;
import dev.echostages.tools.testing.ServerRecipe;

/** Stage 4 keeps the whole echo contract, one client at a time and many at once. */
class SelectorEchoContractTest extends FullEchoContract {
    SelectorEchoContractTest() {
        super(ServerRecipe.of(SelectorEchoServer.commandLine(), SelectorEchoServer::new));
    }
}
