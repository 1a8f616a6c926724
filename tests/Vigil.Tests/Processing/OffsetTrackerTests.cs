using Vigil.Processing.Events;

namespace Vigil.Tests.Processing;

/// <summary>The process role commits a partition up to its lowest unfinished message, whatever order messages finish in.</summary>
public sealed class OffsetTrackerTests
{
    private const string Topic = "events";

    private static OffsetTracker Tracker(long committed, params long[] received)
    {
        var tracker = new OffsetTracker();
        tracker.Start(Topic, 0, committed);
        foreach (var offset in received)
        {
            tracker.Received(Topic, 0, offset);
        }

        return tracker;
    }

    [Fact]
    public void A_message_finishing_behind_an_unfinished_one_moves_nothing_until_that_one_finishes()
    {
        var tracker = Tracker(5, 5, 9, 14);

        tracker.ResumeWith(Topic, 0, 9).ShouldBe(5);
        tracker.Finished(Topic, 0, 9).ShouldBeFalse();
        tracker.ResumeWith(Topic, 0, 5).ShouldBe(14, "9 finished already, 14 is the lowest unfinished");
        tracker.Finished(Topic, 0, 5).ShouldBeTrue("the finished prefix now reaches past the committed offset");
        tracker.Behind().ShouldBe([(Topic, 0, 14L)]);
    }

    [Fact]
    public void When_every_message_is_finished_the_partition_resumes_past_the_last_one_received()
    {
        var tracker = Tracker(0, 3, 8);

        tracker.Finished(Topic, 0, 3);
        tracker.ResumeWith(Topic, 0, 8).ShouldBe(9);
        tracker.Finished(Topic, 0, 8);
        tracker.Committed(Topic, 0, 9);

        tracker.Behind().ShouldBeEmpty();
        tracker.CommittedOffset(Topic, 0).ShouldBe(9);
    }

    [Fact]
    public void A_lower_commit_never_moves_the_committed_offset_back_and_nothing_received_means_nothing_to_commit()
    {
        var tracker = Tracker(20);

        tracker.Committed(Topic, 0, 12);

        tracker.CommittedOffset(Topic, 0).ShouldBe(20);
        tracker.Behind().ShouldBeEmpty();
        Should.Throw<InvalidOperationException>(() => tracker.Received(Topic, 0, 19));
    }
}
