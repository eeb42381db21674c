package dev.echostages.stage4;

import dev.echostages.tools.testing.OutOfDescriptorsContract;

/** Stage 4 out of file descriptors: OP_ACCEPT is dropped for each back-off, the listener kept. */
class SelectorOutOfDescriptorsTest extends OutOfDescriptorsContract {
    SelectorOutOfDescriptorsTest() {
        super(SelectorEchoServer.class.getName());
    }
}
