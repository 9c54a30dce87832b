import { notFound } from 'next/navigation'

/**
 * Every path no console page serves: Next.js would render the bare root 404; answering notFound()
 * here renders app/(console)/not-found.tsx inside the console layout (signed-out visitors sign in
 * first and come back to the same address).
 */
export default function MissingPage(): never {
  notFound()
}
