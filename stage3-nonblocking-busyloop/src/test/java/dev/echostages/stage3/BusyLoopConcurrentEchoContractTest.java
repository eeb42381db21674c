package dev.echostages.stage3;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.ConcurrentEchoContractTest;

/**
 * Stage 3 serves clients concurrently, so it keeps the concurrent contract too: many clients at
 * once, nobody held up by a silent client, and a bounded outbox against a client that never reads.
 */
class BusyLoopConcurrentEchoContractTest extends ConcurrentEchoContractTest {
    @Override
    protected CommandLine commandLine() {
        return BusyLoopEchoServer.commandLine();
    }

    @Override
    protected EchoServer.Factory factory() {
        return BusyLoopEchoServer::new;
    }
}
