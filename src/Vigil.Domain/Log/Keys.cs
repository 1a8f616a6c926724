namespace Vigil.Domain.Log;

/// <summary>
/// Message keys. A patient's key joins customer and patient id ('/' never occurs in an id), because patient ids are
/// unique per customer only; everything about one patient shares the key and therefore the partition and its order.
/// </summary>
public static class Keys
{
    public static string Patient(string customerId, string patientId) => string.Concat(customerId, "/", patientId);

    public static string Entity(string customerId, string entity, string id) => string.Concat(customerId, "/", entity, ":", id);
}
