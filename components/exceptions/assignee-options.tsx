/** One `<option>` per person a dead letter can be assigned to (filters, a record, a group). */
export function AssigneeOptions({ people }: { people: readonly { id: string; email: string }[] }) {
  return people.map((u) => (
    <option key={u.id} value={u.id}>
      {u.email}
    </option>
  ))
}
