package dev.echostages.stage3;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.EchoContractTest;

/** Stage 3 keeps the whole echo contract. */
class BusyLoopEchoContractTest extends EchoContractTest {
    @Override
    protected CommandLine commandLine() {
        return BusyLoopEchoServer.commandLine();
    }

    @Override
    protected EchoServer.Factory factory() {
        return BusyLoopEchoServer::new;
    }
}
