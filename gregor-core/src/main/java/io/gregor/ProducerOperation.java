package io.gregor;

/** An operation a {@link Producer} takes on its control channel. */
public sealed interface ProducerOperation<R> extends Operation<R>
    permits Operation.PartitionsFor,
        Operation.Metrics,
        Operation.Close,
        Operation.Flush,
        Operation.BeginTransaction,
        Operation.SendOffsetsToTransaction,
        Operation.CommitTransaction,
        Operation.AbortTransaction {}
