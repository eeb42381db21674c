package dev.echostages.benchmarks.reference;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.ConcurrentEchoContractTest;

/** The thread-per-connection reference keeps the same contract as the stages, or comparing them would be unfair. */
class ThreadPerConnectionConcurrentEchoContractTest extends ConcurrentEchoContractTest {
    @Override
    protected CommandLine commandLine() {
        return ThreadPerConnectionEchoServer.commandLine();
    }

    @Override
    protected EchoServer.Factory factory() {
        return ThreadPerConnectionEchoServer::new;
    }
}
