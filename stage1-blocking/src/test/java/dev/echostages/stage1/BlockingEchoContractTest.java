package dev.echostages.stage1;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.EchoContractTest;

/** Stage 1 keeps the whole echo contract, one client at a time. */
class BlockingEchoContractTest extends EchoContractTest {
    @Override
    protected CommandLine commandLine() {
        return BlockingEchoServer.commandLine();
    }

    @Override
    protected EchoServer.Factory factory() {
        return BlockingEchoServer::new;
    }

    @Override
    protected String[] stageArgs() {
        // 2-byte reads logged one by one would turn the 1 MiB test into half a million log lines.
        return new String[] {"--chunk", "4096"};
    }
}
