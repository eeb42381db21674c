package dev.echostages.stage5;

import dev.echostages.tools.testing.MemoryBudgetContract;
import dev.echostages.tools.testing.ServerRecipe;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

@ParameterizedClass(name = "--server {0}")
@ValueSource(strings = {"virtual", "channels"})
class AsyncMemoryBudgetTest extends MemoryBudgetContract {
    AsyncMemoryBudgetTest(String serverKind) {
        super(ServerRecipe.of(AsyncEchoServer.commandLine(), AsyncEchoServer.factory(), "--server", serverKind, "--quiet"));
    }
}
