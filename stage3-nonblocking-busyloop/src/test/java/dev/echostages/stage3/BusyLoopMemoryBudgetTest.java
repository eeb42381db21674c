package dev.echostages.stage3;

import dev.echostages.tools.testing.MemoryBudgetContract;
import dev.echostages.tools.testing.ServerRecipe;

class BusyLoopMemoryBudgetTest extends MemoryBudgetContract {
    BusyLoopMemoryBudgetTest() {
        super(ServerRecipe.of(BusyLoopEchoServer.commandLine(), BusyLoopEchoServer::new, "--quiet"));
    }
}
