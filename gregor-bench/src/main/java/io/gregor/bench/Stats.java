package io.gregor.bench;

import java.util.List;

/** Median and range of a list of measurements. */
record Stats(double median, double min, double max, int count) {
  static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Stats(median, sorted.getFirst(), sorted.getLast(), n);
  }
}
