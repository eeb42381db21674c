package dev.echostages.stage5;

/** The stage 5 lessons, proved against the virtual-thread server ({@code --server virtual}). */
class VirtualThreadEchoServerTest extends AsyncServerLessons {
    @Override
    protected String serverName() {
        return "virtual";
    }
}
