package dev.echostages.common.selfcheck;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.ConcurrentEchoContractTest;
import dev.echostages.common.testing.EchoContractTest;
import org.junit.jupiter.api.Nested;

/** The shared contract suites pass against a server known to be correct: the tests test the servers, not themselves. */
class ContractSuiteSelfCheckTest {
    @Nested
    class Sequential extends EchoContractTest {
        @Override
        protected CommandLine commandLine() {
            return ThreadPerClientServer.commandLine();
        }

        @Override
        protected EchoServer.Factory factory() {
            return ThreadPerClientServer::new;
        }
    }

    @Nested
    class Concurrent extends ConcurrentEchoContractTest {
        @Override
        protected CommandLine commandLine() {
            return ThreadPerClientServer.commandLine();
        }

        @Override
        protected EchoServer.Factory factory() {
            return ThreadPerClientServer::new;
        }
    }
}
