/// Turns whatever families the engine, providers and process collector
/// produced into what both writers emit: one family per name, families
/// sorted by name, series sorted and unique, empty families dropped.
///
/// Why: the exposition formats require each family to be one contiguous
/// group with HELP and TYPE once, and each name + label set to appear once;
/// Prometheus fails or drops the whole scrape otherwise. Sorting makes the
/// output deterministic (golden tests, diffable scrapes).
enum ExpositionOrder {
    /// - Families with the same descriptor name are merged into one; the
    ///   first one's type and HELP win (two descriptors with one name are a
    ///   programmer error; merging keeps the scrape valid).
    /// - Families are sorted by name, series by their labels in written
    ///   order (label name, then value, compared as UTF-8 bytes so the order
    ///   does not depend on Unicode normalisation).
    /// - A series whose label set (in any order) was already seen in the
    ///   family is dropped: the first one in input order is kept.
    /// - A label name repeated within one series keeps its first value only.
    /// - Families left with no samples are omitted.
    static func prepare(_ families: [MetricFamily]) -> [MetricFamily] {
        var indexByName: [String: Int] = [:]
        var merged: [MetricFamily] = []
        for family in families {
            if let index = indexByName[family.descriptor.name] {
                merged[index].samples.append(contentsOf: family.samples)
            } else {
                indexByName[family.descriptor.name] = merged.count
                merged.append(family)
            }
        }
        var result: [MetricFamily] = []
        result.reserveCapacity(merged.count)
        for family in merged {
            let samples = uniqueSortedSamples(family.samples)
            guard !samples.isEmpty else { continue }
            result.append(MetricFamily(family.descriptor, samples: samples))
        }
        result.sort { precedes(Array($0.descriptor.name.utf8), Array($1.descriptor.name.utf8)) }
        return result
    }

    private struct Series {
        var sample: Sample
        var sortKey: [[UInt8]]
        var originalIndex: Int
    }

    static func uniqueSortedSamples(_ samples: [Sample]) -> [Sample] {
        var seen = Set<[[UInt8]]>()
        var series: [Series] = []
        series.reserveCapacity(samples.count)
        for (index, original) in samples.enumerated() {
            var sample = original
            sample.labels = firstOfEachName(sample.labels)
            let identity = sample.labels
                .map { (Array($0.name.utf8), Array($0.value.utf8)) }
                .sorted { precedes($0.0, $1.0) }
                .flatMap { [$0.0, $0.1] }
            guard seen.insert(identity).inserted else { continue }
            let sortKey = sample.labels.flatMap { [Array($0.name.utf8), Array($0.value.utf8)] }
            series.append(Series(sample: sample, sortKey: sortKey, originalIndex: index))
        }
        series.sort { a, b in
            if a.sortKey != b.sortKey {
                return a.sortKey.lexicographicallyPrecedes(b.sortKey, by: precedes)
            }
            return a.originalIndex < b.originalIndex
        }
        return series.map(\.sample)
    }

    private static func firstOfEachName(_ labels: [Label]) -> [Label] {
        guard labels.count > 1 else { return labels }
        var names = Set<String>()
        return labels.filter { names.insert($0.name).inserted }
    }

    private static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.lexicographicallyPrecedes(b)
    }
}
