namespace Vigil.Domain.Windows;

/// <summary>
/// What one reading did to one of its windows. The caller persists <see cref="Aggregate"/> (upsert by patient,
/// type, size and start) unless <see cref="MergeIntoStored"/> says to merge it into the stored one first.
/// </summary>
/// <param name="Aggregate">The window's aggregate after the reading.</param>
/// <param name="LateCorrection">The window was already final when the reading arrived: a result already reported has changed.</param>
/// <param name="MergeIntoStored">
/// The window had been evicted from memory, so <paramref name="Aggregate"/> holds this reading alone. The caller
/// loads the stored aggregate and saves <c>stored.Merge(Aggregate)</c>, or saves Aggregate as is when none is stored.
/// </param>
public sealed record WindowUpdate(WindowAggregate Aggregate, bool LateCorrection, bool MergeIntoStored);
