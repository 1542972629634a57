// A com.sun.net.httpserver app: / and /health are linked; the other routes use JDK parts that load
// their data and native libraries on first use (tzdb.dat, cacerts, jdk.charsets, libzip, logging).
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class App {
  static final String HOME = "<html><body><h1>jvmweb</h1><a href=\"/health\">health</a></body></html>";

  public static void main(String[] args) throws IOException {
    Map<String, Callable<String>> routes = new LinkedHashMap<>();
    routes.put("/zones", App::zones);
    routes.put("/tls", App::tls);
    routes.put("/charsets", App::charsets);
    routes.put("/zip", App::zip);
    routes.put("/log", App::log);
    HttpServer server = HttpServer.create(new InetSocketAddress(8090), 0);
    server.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/")) { send(ex, 200, HOME); return; }
      if (path.equals("/health")) { send(ex, 200, "jvmweb ok\n"); return; }
      Callable<String> route = routes.get(path);
      if (route == null) { send(ex, 404, "not found\n"); return; }
      try {
        send(ex, 200, route.call());
      } catch (Throwable t) {
        send(ex, 500, t + "\n");
      }
    });
    server.start();
  }

  static String zones() {
    Instant t = Instant.ofEpochSecond(1719835200L);
    StringBuilder out = new StringBuilder();
    for (String z : new String[] {"Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"}) {
      out.append(z).append(' ').append(t.atZone(ZoneId.of(z)).toOffsetDateTime()).append('\n');
    }
    return out.toString();
  }

  static String tls() throws Exception {
    SSLContext ctx = SSLContext.getDefault();
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
    return "protocol " + ctx.getProtocol() + " trusted " + tm.getAcceptedIssuers().length + "\n";
  }

  static String charsets() {
    StringBuilder out = new StringBuilder();
    for (String cs : new String[] {"IBM037", "Shift_JIS", "EUC-KR", "windows-1252"}) {
      String text = cs.equals("IBM037") || cs.equals("windows-1252") ? "Grüße" : cs.equals("EUC-KR") ? "서울" : "日本語";
      out.append(cs).append(' ').append(HexFormat.of().formatHex(text.getBytes(Charset.forName(cs)))).append('\n');
    }
    return out.toString();
  }

  static String zip() throws IOException {
    byte[] data = "jvmweb ".repeat(200).getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(buf)) { gz.write(data); }
    byte[] back;
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(buf.toByteArray()))) { back = in.readAllBytes(); }
    CRC32 crc = new CRC32();
    crc.update(back);
    return "gzip " + buf.size() + " bytes, back " + back.length + ", crc " + Long.toHexString(crc.getValue()) + "\n";
  }

  static String log() {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger("jvmweb.audit");
    return "logger " + logger.getName() + " level " + logger.getParent().getLevel() + " handlers " + logger.getParent().getHandlers().length + "\n";
  }

  static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }
}
