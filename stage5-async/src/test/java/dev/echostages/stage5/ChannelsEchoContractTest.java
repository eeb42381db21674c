package dev.echostages.stage5;

import dev.echostages.common.CommandLine;
import dev.echostages.common.EchoServer;
import dev.echostages.common.testing.ConcurrentEchoContractTest;
import dev.echostages.common.testing.EchoContractTest;
import org.junit.jupiter.api.Nested;

/** The completion-handler server keeps the whole echo contract, one client at a time and many at once. */
class ChannelsEchoContractTest {
    @Nested
    class OneClientAtATime extends EchoContractTest {
        @Override
        protected CommandLine commandLine() {
            return AsyncEchoServer.commandLine();
        }

        @Override
        protected EchoServer.Factory factory() {
            return AsyncEchoServer.factory();
        }

        @Override
        protected String[] stageArgs() {
            return new String[] {"--server", "channels"};
        }
    }

    @Nested
    class ManyClientsAtOnce extends ConcurrentEchoContractTest {
        @Override
        protected CommandLine commandLine() {
            return AsyncEchoServer.commandLine();
        }

        @Override
        protected EchoServer.Factory factory() {
            return AsyncEchoServer.factory();
        }

        @Override
        protected String[] stageArgs() {
            return new String[] {"--server", "channels", "--quiet"};
        }
    }
}
