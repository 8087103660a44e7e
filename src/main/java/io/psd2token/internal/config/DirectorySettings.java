package io.psd2token.internal.config;

import io.psd2token.bank.Bank;
import io.psd2token.bank.BankDirectory;
import io.psd2token.bank.Bkcode;
import io.psd2token.bank.Network;
import io.psd2token.error.ConfigurationException;
import io.psd2token.error.UnknownBankException;
import io.psd2token.internal.config.Psd2Keys.PerBank;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The deployment's bank directory: the list shipped with the library, changed by {@code psd2.banks.extra},
 * {@code psd2.banks.only} and the per-bank name, short-name, network, aliases and enabled keys. Invalid values join
 * the problems; the shipped entry stands in for them.
 */
final class DirectorySettings {

    private static final Pattern CODE_LIST = Pattern.compile("[\\s,]+");

    private final Function<String, Optional<String>> source;
    private final Problems problems;

    DirectorySettings(Function<String, Optional<String>> source, Problems problems) {
        this.source = source;
        this.problems = problems;
    }

    BankDirectory read() {
        List<Bank> shipped = BankDirectory.shipped();
        Map<Bkcode, Bank> entries = new LinkedHashMap<>();
        shipped.forEach(b -> entries.put(b.bkcode(), b));
        List<Bkcode> extras = problems.collect(() -> codes(Psd2Keys.BANKS_EXTRA), List.of());
        for (Bkcode extra : extras) {
            // A code the file already has is tolerated: a later release may ship a bank a deployment declared.
            entries.putIfAbsent(extra, new Bank(extra, "Bank " + extra, "", Network.OTHER, List.of(), false, true, ""));
        }
        List<Bkcode> only = problems.collect(() -> codes(Psd2Keys.BANKS_ONLY), List.of());
        for (Bkcode listed : only) {
            if (!entries.containsKey(listed)) {
                problems.add(Psd2Keys.BANKS_ONLY.name() + " lists " + listed + ", which is not in the bank directory;"
                        + " declare it with " + Psd2Keys.BANKS_EXTRA.name() + "=" + listed);
            }
        }
        List<Bank> configured = new ArrayList<>();
        Map<Bkcode, String> disabledBy = new HashMap<>();
        for (Bank entry : entries.values()) {
            String b = entry.bkcode().value();
            Key<Boolean> enabled = Key.of(PerBank.ENABLED.key(b), null, "true or false", DirectorySettings::bool);
            Optional<Boolean> explicit = problems.collect(() -> enabled.read(source), Optional.empty());
            boolean listed = only.isEmpty() || only.contains(entry.bkcode());
            Bank bank = problems.collect(() -> override(entry), entry).withEnabled(explicit.orElse(listed));
            if (!bank.enabled()) {
                disabledBy.put(bank.bkcode(), explicit.isPresent() ? PerBank.ENABLED.key(b) + "=false"
                        : Psd2Keys.BANKS_ONLY.name() + " (it is not listed there)");
            }
            configured.add(bank);
        }
        return BankDirectory.of(configured, disabledBy);
    }

    private static Boolean bool(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    private List<Bkcode> codes(Key<String> key) {
        List<Bkcode> codes = new ArrayList<>();
        for (String code : value(key.name()).map(CODE_LIST::split).orElse(new String[0])) {
            if (code.isEmpty()) {
                continue;
            }
            try {
                codes.add(Bkcode.of(code));
            } catch (UnknownBankException e) {
                throw new ConfigurationException(key.name() + " must list bank codes separated by commas, e.g."
                        + " 13807,17515: " + e.getMessage());
            }
        }
        return List.copyOf(codes);
    }

    private Bank override(Bank bank) {
        String b = bank.bkcode().value();
        Network network = bank.network();
        Optional<String> configuredNetwork = value(PerBank.NETWORK.key(b));
        if (configuredNetwork.isPresent()) {
            try {
                network = Network.parse(configuredNetwork.get());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(PerBank.NETWORK.key(b) + " is " + e.getMessage());
            }
        }
        return new Bank(bank.bkcode(),
                value(PerBank.NAME.key(b)).orElse(bank.name()),
                value(PerBank.SHORT_NAME.key(b)).orElse(bank.shortName()),
                network,
                value(PerBank.ALIASES.key(b)).map(BankDirectory::aliases).orElse(bank.aliases()),
                bank.confirmed(), bank.enabled(), bank.note());
    }

    private Optional<String> value(String key) {
        return source.apply(key).map(String::strip).filter(v -> !v.isEmpty());
    }
}
