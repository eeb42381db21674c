package dev.echostages.benchmarks.reference;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.EchoContractTest;

/** The Netty reference keeps the same contract as the stages, or comparing them would be unfair. */
class NettyEchoContractTest extends EchoContractTest {
    @Override
    protected CommandLine commandLine() {
        return NettyEchoServer.commandLine();
    }

    @Override
    protected EchoServer.Factory factory() {
        return NettyEchoServer::new;
    }
}
