package dev.echostages.stage1;

import dev.echostages.tools.testing.EchoContractTest;
import dev.echostages.tools.testing.ServerRecipe;

/** Stage 1 keeps the whole echo contract, one client at a time. */
class BlockingEchoContractTest extends EchoContractTest {
    BlockingEchoContractTest() {
        // 2-byte reads logged one by one would turn the 1 MiB test into half a million log lines.
        super(ServerRecipe.of(BlockingEchoServer.commandLine(), BlockingEchoServer::new, "--chunk", "4096"));
    }
}
