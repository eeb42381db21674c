package dev.echostages.common;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;

/** What {@link CommandLine} parsed: the common options as methods, a stage's own by name. */
public final class ServerOptions {
    private final Map<String, Object> values;

    ServerOptions(Map<String, Object> values) {
        this.values = Map.copyOf(values);
    }

    public String host() {
        return (String) values.get("--host");
    }

    public int port() {
        return intValue("--port");
    }

    public int maxLine() {
        return intValue("--max-line");
    }

    public boolean quiet() {
        return flag("--quiet");
    }

    /** True when the stage declared an option of this name (whatever its value). */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    public int intValue(String name) {
        return (Integer) require(name);
    }

    public String choice(String name) {
        return (String) require(name);
    }

    public boolean flag(String name) {
        return (Boolean) require(name);
    }

    /** The address to bind, resolved now so that a bad host fails before anything listens. */
    public InetSocketAddress bindAddress() throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(host()), port());
    }

    private Object require(String name) {
        Object value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no option " + name + " was declared");
        }
        return value;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
