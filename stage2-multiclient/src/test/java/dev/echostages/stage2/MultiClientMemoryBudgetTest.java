package dev.echostages.stage2;

import dev.echostages.tools.testing.MemoryBudgetContract;
import dev.echostages.tools.testing.ServerRecipe;

class MultiClientMemoryBudgetTest extends MemoryBudgetContract {
    MultiClientMemoryBudgetTest() {
        super(ServerRecipe.of(MultiClientEchoServer.commandLine(), MultiClientEchoServer::new, "--quiet"));
    }

    @Override
    protected boolean servesClientsConcurrently() {
        return false;
    }
}
