import { DomainError } from '../../domain/errors'

/** The code and message of the DomainError a service call rejects with; fails the test if it succeeds or throws anything else. */
export async function domainError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error('expected a DomainError, but the call succeeded')
}
