package dev.echostages.stage3;

import dev.echostages.tools.testing.OutOfDescriptorsContract;

/** Stage 3 out of file descriptors: the loop skips accept() for each back-off and serves the rest meanwhile. */
class BusyLoopOutOfDescriptorsTest extends OutOfDescriptorsContract {
    BusyLoopOutOfDescriptorsTest() {
        super(BusyLoopEchoServer.class.getName(), "--no-stats");
    }
}
