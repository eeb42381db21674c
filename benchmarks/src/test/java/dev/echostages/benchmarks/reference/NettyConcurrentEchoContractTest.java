package dev.echostages.benchmarks.reference;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.ConcurrentEchoContractTest;

/** The Netty reference keeps the same contract as the stages, or comparing them would be unfair. */
class NettyConcurrentEchoContractTest extends ConcurrentEchoContractTest {
    @Override
    protected CommandLine commandLine() {
        return NettyEchoServer.commandLine();
    }

    @Override
    protected EchoServer.Factory factory() {
        return NettyEchoServer::new;
    }
}
