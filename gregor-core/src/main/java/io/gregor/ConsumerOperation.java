package io.gregor;

/** An operation a {@link Consumer} takes on its control channel. */
public sealed interface ConsumerOperation<R> extends Operation<R>
    permits Operation.PartitionsFor,
        Operation.Metrics,
        Operation.Close,
        Operation.Subscribe,
        Operation.Unsubscribe,
        Operation.Subscriptions,
        Operation.Commit,
        Operation.Committed,
        Operation.Assignment,
        Operation.Assign,
        Operation.Seek,
        Operation.SeekToBeginning,
        Operation.SeekToEnd,
        Operation.SeekToTimestamp,
        Operation.Position,
        Operation.Pause,
        Operation.Resume,
        Operation.Paused,
        Operation.EndOffsets,
        Operation.Lag,
        Operation.ListTopics,
        Operation.GroupMetadata {}
