package dev.echostages.stage4;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.EchoContractTest;

/** Stage 4 keeps the whole echo contract. */
class SelectorEchoContractTest extends EchoContractTest {
    @Override
    protected CommandLine commandLine() {
        return SelectorEchoServer.commandLine();
    }

    @Override
    protected EchoServer.Factory factory() {
        return SelectorEchoServer::new;
    }
}
