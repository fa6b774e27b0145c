package dev.llmops.router.harness;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Input and output prices (USD per million tokens) from the cost-service's catalog, so the harnesses price with the
 * numbers the platform bills with: {@code cost-service/src/main/resources/prices/catalog.json} (the latest
 * effective entry per model) when it exists, else the {@code llmops.cost.prices."<model>"} keys of its
 * application.properties; {@code --price model=in/out} on the command line adds or overrides.
 */
final class PriceSheet {
    record Price(double inputPerMtok, double outputPerMtok, String source) {
    }

    private static final Pattern PROPERTY = Pattern.compile(
            "^llmops\\.cost\\.prices\\.\"([^\"]{1,100})\"\\.(input|output)-usd-per-mtok=([0-9.]{1,20})$");
    private final Map<String, Price> prices = new HashMap<>();

    static PriceSheet load(Path repoRoot) throws IOException {
        PriceSheet sheet = new PriceSheet();
        Path catalog = repoRoot.resolve("cost-service/src/main/resources/prices/catalog.json");
        Path properties = repoRoot.resolve("cost-service/src/main/resources/application.properties");
        if (Files.exists(catalog)) {
            JsonObject models = new JsonObject(Files.readString(catalog)).getJsonObject("models");
            for (String model : models.fieldNames()) {
                JsonArray entries = models.getJsonArray(model);
                JsonObject latest = null;
                for (int i = 0; i < entries.size(); i++) {
                    JsonObject e = entries.getJsonObject(i);
                    if (latest == null || e.getString("effective_from", "").compareTo(latest.getString("effective_from", "")) > 0) {
                        latest = e;
                    }
                }
                if (latest != null && latest.getString("input") != null && latest.getString("output") != null) {
                    sheet.prices.put(model, new Price(Double.parseDouble(latest.getString("input")),
                            Double.parseDouble(latest.getString("output")), repoRoot.relativize(catalog).toString()));
                }
            }
        }
        if (Files.exists(properties)) {
            Map<String, double[]> found = new HashMap<>();
            for (String line : Files.readAllLines(properties)) {
                Matcher m = PROPERTY.matcher(line.strip());
                if (m.matches()) {
                    found.computeIfAbsent(m.group(1), k -> new double[]{-1, -1})[m.group(2).equals("input") ? 0 : 1] =
                            Double.parseDouble(m.group(3));
                }
            }
            found.forEach((model, p) -> {
                if (p[0] >= 0 && p[1] >= 0) {
                    sheet.prices.putIfAbsent(model, new Price(p[0], p[1], repoRoot.relativize(properties).toString()));
                }
            });
        }
        return sheet;
    }

    void override(String spec) {
        String[] modelAndPrices = spec.split("=", 2);
        String[] inOut = modelAndPrices[1].split("/", 2);
        prices.put(modelAndPrices[0], new Price(Double.parseDouble(inOut[0]), Double.parseDouble(inOut[1]), "--price"));
    }

    Price price(String model) {
        Price p = prices.get(model);
        if (p == null) {
            throw new IllegalArgumentException("no price for '" + model + "' in the cost-service catalog; known: "
                    + new java.util.TreeSet<>(prices.keySet()) + ". Pass --price " + model + "=<in>/<out> (USD per Mtok)");
        }
        return p;
    }

    static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("cost-service")) && Files.isDirectory(p.resolve("router-service"))) {
                return p;
            }
        }
        throw new IllegalStateException("run from inside the repository (no cost-service/ above " + here + ")");
    }
}
