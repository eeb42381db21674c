package dev.echostages.stage4;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.ConcurrentEchoContractTest;

/**
 * One thread serves fifty clients at once, is not held up by an idle one, holds a bounded amount
 * for a client that never reads, and shrugs off crowds leaving and resets mid-line.
 */
class SelectorConcurrentEchoContractTest extends ConcurrentEchoContractTest {
    @Override
    protected CommandLine commandLine() {
        return SelectorEchoServer.commandLine();
    }

    @Override
    protected EchoServer.Factory factory() {
        return SelectorEchoServer::new;
    }
}
