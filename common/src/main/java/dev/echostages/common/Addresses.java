package dev.echostages.common;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;

/**
 * Socket addresses as a person types them, so that what the server prints can be pasted into
 * {@code nc} or {@code telnet}: {@code 127.0.0.1:8000}, {@code [::1]:8000}.
 *
 * <p>The JDK's own forms cannot be pasted: {@link InetSocketAddress#toString()} starts with a
 * slash ({@code /127.0.0.1:53422}), and {@link InetAddress#getHostAddress()} writes IPv6 in full
 * ({@code 0:0:0:0:0:0:0:1}), which leaves no way to tell the port from the address. Here IPv6 is
 * compressed as RFC 5952 says (the longest run of two or more zero groups becomes {@code ::}) and
 * put in brackets before a port. The wildcard address is {@code 0.0.0.0} for IPv4 and
 * {@code [::]} for IPv6.
 */
public final class Addresses {
    private Addresses() {
    }

    /** {@code 127.0.0.1:8000}, {@code [::1]:8000}; any other kind of address as the JDK prints it. */
    public static String of(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.isUnresolved() ? inet.getHostString() : host(inet.getAddress());
            return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    /** {@code 127.0.0.1}, or IPv6 compressed without brackets: {@code ::1}, {@code fe80::1%eth0}. */
    public static String host(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        String full = address.getHostAddress(); // eight groups, no leading zeros, maybe a %scope
        int percent = full.indexOf('%');
        String scope = percent < 0 ? "" : full.substring(percent);
        String[] groups = (percent < 0 ? full : full.substring(0, percent)).split(":");
        int bestStart = -1;
        int bestLength = 1; // a single zero group stays "0" (RFC 5952, 4.2.2)
        for (int start = 0; start < groups.length; start++) {
            int length = 0;
            while (start + length < groups.length && groups[start + length].equals("0")) {
                length++;
            }
            if (length > bestLength) {
                bestStart = start;
                bestLength = length;
            }
        }
        if (bestStart < 0) {
            return String.join(":", groups) + scope;
        }
        String before = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String after = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return before + "::" + after + scope;
    }
}
