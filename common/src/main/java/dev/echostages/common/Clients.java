package dev.echostages.common;

/**
 * The words every stage logs when a client comes or goes, so that the same event reads the same
 * in every stage: {@code connected (2 clients)}, {@code disconnected (1 client left)}.
 */
public final class Clients {
    private Clients() {
    }

    /** "1 client", "2 clients". */
    public static String count(int clients) {
        return clients + (clients == 1 ? " client" : " clients");
    }

    /** The log text of a new connection, with the number connected now (it included). */
    public static String connected(int clientsNow) {
        return "connected (" + count(clientsNow) + ")";
    }

    /** The log text of a connection's end: why it ended, and how many are left. */
    public static String ended(String outcome, int clientsLeft) {
        return outcome + " (" + count(clientsLeft) + " left)";
    }
}
