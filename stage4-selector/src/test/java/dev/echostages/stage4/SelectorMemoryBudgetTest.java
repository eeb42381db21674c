package dev.echostages.stage4;

import dev.echostages.tools.testing.MemoryBudgetContract;
import dev.echostages.tools.testing.ServerRecipe;

class SelectorMemoryBudgetTest extends MemoryBudgetContract {
    SelectorMemoryBudgetTest() {
        super(ServerRecipe.of(SelectorEchoServer.commandLine(), SelectorEchoServer::new, "--quiet"));
    }
}
