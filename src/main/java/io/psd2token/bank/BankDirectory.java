package io.psd2token.bank;

import io.psd2token.error.UnknownBankException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The Groupe BPCE banks a deployment serves: the list shipped in {@code bpce-banks.tsv}, changed by
 * configuration. It answers "which banks can a PSU pick" ({@link #search}) and "may a token be requested for
 * this bank code" ({@link #require}).
 *
 * <p>The shipped list is incomplete by nature (BPCE publishes the authoritative one on each API product's
 * "Limits" page), so every entry can be renamed or disabled and new bank codes declared by configuration
 * ({@code psd2.banks.extra}, {@code psd2.banks.only}, {@code psd2.bank.<bkcode>.name|short-name|network|aliases|
 * enabled}; see docs/banks.md). The library builds the deployment's directory from the shipped list and those keys
 * when the application starts, and injects it ({@code @Inject BankDirectory banks;}).
 *
 * <p>Immutable: every collection is filled in the constructor and never changed, so one instance is safely
 * shared by all threads.
 */
public final class BankDirectory {

    /** The shipped list, a classpath resource beside this class. */
    public static final String RESOURCE = "bpce-banks.tsv";

    /** Longest name search accepted; a PSU types a few words, anything longer is not a search. */
    public static final int MAX_QUERY_LENGTH = 100;

    static final List<String> HEADER = List.of("bkcode", "name", "short_name", "network", "confirmed", "aliases",
            "note");

    private static final Pattern ALIAS_LIST = Pattern.compile("\\|");
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

    private final Map<Bkcode, Bank> banks;
    private final List<Bank> all;
    private final Map<Bkcode, String[]> searchWords;
    // Why a bank is disabled, for the message of require(): the setting that disabled it.
    private final Map<Bkcode, String> disabledBy;

    private BankDirectory(Collection<Bank> entries, Map<Bkcode, String> disabledBy) {
        Map<Bkcode, Bank> sorted = new TreeMap<>(Comparator.comparing(Bkcode::value));
        Map<Bkcode, String[]> words = new HashMap<>();
        for (Bank bank : entries) {
            if (sorted.putIfAbsent(bank.bkcode(), bank) != null) {
                throw new IllegalArgumentException("bank code " + bank.bkcode() + " appears twice");
            }
            words.put(bank.bkcode(), words(bank));
        }
        Map<Bkcode, String> reasons = new HashMap<>();
        for (Bank bank : sorted.values()) {
            if (!bank.enabled()) {
                reasons.put(bank.bkcode(), disabledBy.getOrDefault(bank.bkcode(), "configuration"));
            }
        }
        this.banks = Map.copyOf(sorted);
        this.all = List.copyOf(sorted.values());
        this.searchWords = Map.copyOf(words);
        this.disabledBy = Map.copyOf(reasons);
    }

    /**
     * A directory of the given banks.
     *
     * @param banks the entries, each bank code once; disabled ones included
     * @param disabledBy for disabled banks, the setting that disabled them (named in {@link #require}'s message)
     * @return the directory
     * @throws IllegalArgumentException when a bank code appears twice
     */
    public static BankDirectory of(Collection<Bank> banks, Map<Bkcode, String> disabledBy) {
        return new BankDirectory(banks, disabledBy);
    }

    /**
     * The list shipped with the library, without configuration.
     *
     * @return every shipped bank, each enabled
     * @throws IllegalStateException naming the line, when the shipped list is malformed
     */
    public static List<Bank> shipped() {
        try (InputStream in = BankDirectory.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(resourcePath() + " is missing from the library jar");
            }
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8), resourcePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resourcePath(), e);
        }
    }

    /**
     * The shipped list as it is, without configuration.
     *
     * @return the directory of every shipped bank, each enabled
     */
    public static BankDirectory defaults() {
        return of(shipped(), Map.of());
    }

    /**
     * The entry of a bank code, enabled or not.
     *
     * @param bkcode the bank code to look up
     * @return the bank's entry, or empty when the code is not in the directory; check {@link Bank#enabled()}
     *         before requesting a token, or use {@link #require(Bkcode)}
     */
    public Optional<Bank> find(Bkcode bkcode) {
        return Optional.ofNullable(banks.get(bkcode));
    }

    /**
     * Every entry, disabled ones included, in bank-code order.
     *
     * @return an unmodifiable list of every entry
     */
    public List<Bank> all() {
        return all;
    }

    /**
     * The enabled banks a PSU's search finds, in bank-code order.
     *
     * <p>Every word of the query must begin a word of the bank's name, short name, an alias or its code. Case,
     * accents and punctuation do not matter: {@code "ile de france"} finds "Caisse d'Epargne Ile-de-France",
     * {@code "epargne"} every Caisse d'Epargne, {@code "credit maritime"} the bank whose alias it is.
     *
     * @param query a few words, or {@code null} or blank for every enabled bank
     * @param network only banks of this network, or {@code null} for all
     * @return an unmodifiable list of the matching enabled banks; empty when none matches
     * @throws IllegalArgumentException when the query is longer than {@value #MAX_QUERY_LENGTH} characters
     */
    public List<Bank> search(String query, Network network) {
        if (query != null && query.length() > MAX_QUERY_LENGTH) {
            throw new IllegalArgumentException("a bank search is at most " + MAX_QUERY_LENGTH + " characters");
        }
        String[] wanted = query == null ? new String[0] : splitWords(query);
        List<Bank> found = new ArrayList<>();
        for (Bank bank : all) {
            if (bank.enabled() && (network == null || bank.network() == network)
                    && matches(wanted, searchWords.get(bank.bkcode()))) {
                found.add(bank);
            }
        }
        return List.copyOf(found);
    }

    /**
     * The bank a token may be requested for: the guard to run before any URL is built from a caller's code.
     *
     * @param bkcode a bank code as a caller or a PSU gave it
     * @return the bank's entry, known to be enabled
     * @throws UnknownBankException when the code is malformed, not in the directory, or the bank is disabled;
     *         the message says which configuration key adds or enables the bank
     */
    public Bank require(String bkcode) {
        return require(Bkcode.of(bkcode));
    }

    /**
     * The bank a token may be requested for.
     *
     * @param bkcode the bank code, already known to be well formed
     * @return the bank's entry, known to be enabled
     * @throws UnknownBankException when the bank is not in the directory or is disabled
     */
    public Bank require(Bkcode bkcode) {
        Bank bank = banks.get(bkcode);
        if (bank == null) {
            throw new UnknownBankException("bank code " + bkcode + " is not in the BPCE bank directory; if your"
                    + " 89C3 API product serves it (see its Limits page), declare it by configuration: "
                    + "psd2.banks.extra=" + bkcode + " and psd2.bank." + bkcode + ".name=<its name>");
        }
        if (!bank.enabled()) {
            throw new UnknownBankException("bank " + bkcode + " (" + bounded(bank.name()) + ") is disabled by "
                    + disabledBy.get(bkcode) + "; to enable it set psd2.bank." + bkcode + ".enabled=true");
        }
        return bank;
    }

    @Override
    public String toString() {
        return "BankDirectory[" + all.size() + " banks, " + (all.size() - disabledBy.size()) + " enabled]";
    }

    /**
     * Reads the tab-separated list; see the comment at the top of {@code bpce-banks.tsv} for the format.
     *
     * @param source names the list in error messages
     * @throws IllegalStateException naming the source and the line, at the first malformed line
     */
    static List<Bank> parse(Reader text, String source) {
        List<Bank> banks = new ArrayList<>();
        Map<Bkcode, Integer> seen = new HashMap<>();
        boolean headerSeen = false;
        int number = 0;
        try (BufferedReader reader = new BufferedReader(text)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cells = line.split("\t", -1);
                if (!headerSeen) {
                    if (!Arrays.asList(cells).equals(HEADER)) {
                        throw malformed(source, number, "expected the header row " + String.join("<TAB>", HEADER));
                    }
                    headerSeen = true;
                    continue;
                }
                Bank bank = row(cells, source, number);
                Integer earlier = seen.putIfAbsent(bank.bkcode(), number);
                if (earlier != null) {
                    throw malformed(source, number, "bank code " + bank.bkcode() + " is already on line " + earlier
                            + "; a second brand of the same code is an alias");
                }
                banks.add(bank);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source, e);
        }
        if (!headerSeen) {
            throw malformed(source, number, "no header row and no bank");
        }
        return banks;
    }

    private static Bank row(String[] cells, String source, int number) {
        if (cells.length < 5 || cells.length > HEADER.size()) {
            throw malformed(source, number, "has " + cells.length + " tab-separated columns, expected 5 to "
                    + HEADER.size() + " (" + String.join(", ", HEADER) + ")");
        }
        Bkcode code;
        try {
            code = Bkcode.of(cells[0].strip());
        } catch (UnknownBankException e) {
            throw malformed(source, number, e.getMessage());
        }
        String name = cells[1].strip();
        if (name.isEmpty()) {
            throw malformed(source, number, "bank " + code + " has no name");
        }
        Network network;
        try {
            network = Network.parse(cells[3]);
        } catch (IllegalArgumentException e) {
            throw malformed(source, number, "bank " + code + ": " + e.getMessage());
        }
        String confirmed = cells[4].strip().toLowerCase(Locale.ROOT);
        if (!confirmed.equals("true") && !confirmed.equals("false")) {
            throw malformed(source, number, "bank " + code + ": confirmed must be true or false");
        }
        List<String> aliases = cells.length > 5 ? aliases(cells[5]) : List.of();
        String note = cells.length > 6 ? cells[6].strip() : "";
        return new Bank(code, name, cells[2].strip(), network, aliases, confirmed.equals("true"), true, note);
    }

    private static IllegalStateException malformed(String source, int line, String problem) {
        return new IllegalStateException(source + " line " + line + ": " + problem);
    }

    private static String resourcePath() {
        return BankDirectory.class.getPackageName().replace('.', '/') + "/" + RESOURCE;
    }

    /**
     * Splits a {@code |}-separated list of names.
     *
     * @param text the list
     * @return the names, trimmed, without empty ones
     */
    public static List<String> aliases(String text) {
        return ALIAS_LIST.splitAsStream(text).map(String::strip).filter(a -> !a.isEmpty()).toList();
    }

    // Every word a search can start: of the name, the short name, the aliases and the code.
    private static String[] words(Bank bank) {
        Set<String> words = new LinkedHashSet<>();
        words.addAll(Arrays.asList(splitWords(bank.name())));
        words.addAll(Arrays.asList(splitWords(bank.shortName())));
        bank.aliases().forEach(a -> words.addAll(Arrays.asList(splitWords(a))));
        words.add(bank.bkcode().value());
        return words.toArray(String[]::new);
    }

    private static boolean matches(String[] wanted, String[] words) {
        for (String w : wanted) {
            if (Arrays.stream(words).noneMatch(word -> word.startsWith(w))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Lower-case words without accents: NFKD splits "é" into "e" and a combining mark, which is dropped; any
     * run of characters that are not letters or digits (space, hyphen, apostrophe, dot) separates words.
     */
    static String[] splitWords(String text) {
        String plain = MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFKD)).replaceAll("");
        String spaced = NOT_WORD.matcher(plain.toLowerCase(Locale.ROOT)).replaceAll(" ").strip();
        return spaced.isEmpty() ? new String[0] : spaced.split(" ");
    }

    private static String bounded(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }
}
