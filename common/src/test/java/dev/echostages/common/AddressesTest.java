package dev.echostages.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Printed addresses can be pasted into nc: no leading slash, IPv6 compressed and in brackets. */
class AddressesTest {

    private static String printed(String host, int port) throws Exception {
        return Addresses.of(new InetSocketAddress(InetAddress.getByName(host), port));
    }

    @Test
    void ipv4IsPrintedWithoutTheJdksLeadingSlash() throws Exception {
        assertEquals("127.0.0.1:53422", printed("127.0.0.1", 53422));
        assertEquals("0.0.0.0:8000", printed("0.0.0.0", 8000));
    }

    @Test
    void ipv6IsCompressedAndBracketedAsYouTypeIt() throws Exception {
        assertEquals("[::1]:8000", printed("::1", 8000));
        assertEquals("[::]:8000", printed("0:0:0:0:0:0:0:0", 8000));
        assertEquals("[2001:db8::1:0:0:1]:80", printed("2001:db8:0:0:1:0:0:1", 80)); // the first of two equal runs
        assertEquals("[2001:db8:0:1:1:1:1:1]:80", printed("2001:db8:0:1:1:1:1:1", 80)); // one zero group stays
        assertEquals("[2001:db8::]:80", printed("2001:db8::", 80));
        assertEquals("[2001:0:0:1::1]:80", printed("2001:0:0:1:0:0:0:1", 80)); // the longest run wins
    }

    @Test
    void aPrintedAddressParsesBackToTheSameAddress() throws Exception {
        for (String host : new String[] {"127.0.0.1", "::1", "fe80::1:2", "2001:db8::1:0:0:1"}) {
            InetAddress address = InetAddress.getByName(host);
            String printed = Addresses.host(address);
            assertEquals(address, InetAddress.getByName(printed), printed);
        }
    }

    @Test
    void anUnresolvedAddressKeepsItsName() {
        assertEquals("localhost:80", Addresses.of(InetSocketAddress.createUnresolved("localhost", 80)));
    }
}
