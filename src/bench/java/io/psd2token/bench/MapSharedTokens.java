package io.psd2token.bench;

import io.psd2token.internal.cluster.SharedTokens;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * A cluster map for the hot-path benchmark: the clustered manager must be built and fed like in a cluster, but the
 * benchmark measures the cached call, which never touches this map. Lifespans are ignored (the token lives an
 * hour, longer than any trial).
 */
final class MapSharedTokens implements SharedTokens {

    private final ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();

    @Override
    public String get(String key) {
        return map.get(key);
    }

    @Override
    public boolean putIfAbsent(String key, String value, Duration lifespan) {
        return map.putIfAbsent(key, value) == null;
    }

    @Override
    public boolean replace(String key, String expected, String value, Duration lifespan) {
        return map.replace(key, expected, value);
    }

    @Override
    public boolean remove(String key, String expected) {
        return map.remove(key, expected);
    }

    @Override
    public Map<String, String> entries(String prefix) {
        return map.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Override
    public String describe() {
        return "benchmark map";
    }
}
