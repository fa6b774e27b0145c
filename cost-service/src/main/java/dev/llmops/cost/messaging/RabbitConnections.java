package dev.llmops.cost.messaging;

import com.rabbitmq.client.ConnectionFactory;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Connection settings for the parts that use the RabbitMQ Java client directly (usage-event consumer, DLQ
 * replay), read from the same {@code rabbitmq-*} keys as the reactive messaging connector, TLS included
 * ({@code rabbitmq-ssl=true}: the JVM's trust store and host name verification).
 */
@ApplicationScoped
public class RabbitConnections {
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String vhost;
    private final boolean ssl;

    public RabbitConnections(@ConfigProperty(name = "rabbitmq-host") String host,
            @ConfigProperty(name = "rabbitmq-port") int port,
            @ConfigProperty(name = "rabbitmq-username") String user,
            @ConfigProperty(name = "rabbitmq-password") String password,
            @ConfigProperty(name = "rabbitmq-virtual-host") String vhost,
            @ConfigProperty(name = "rabbitmq-ssl", defaultValue = "false") boolean ssl) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.vhost = vhost;
        this.ssl = ssl;
    }

    /** A new factory with these settings (callers add their own recovery settings). */
    public ConnectionFactory factory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(host);
        f.setPort(port);
        f.setUsername(user);
        f.setPassword(password);
        f.setVirtualHost(vhost);
        if (ssl) {
            try {
                f.useSslProtocol(SSLContext.getDefault());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no TLS support in this JVM for rabbitmq-ssl=true", e);
            }
            f.enableHostnameVerification();
        }
        return f;
    }
}
