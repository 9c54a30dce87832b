'use client'

import { useEffect, useState } from 'react'
import { withoutParams, type UrlParamIssue } from '@/server/domain/url-params'

/**
 * Says which parameters of the link could not be applied (unknown flow, plant, status, date …) and
 * takes them out of the address bar, so the controls and the URL show what the page applies. The
 * server page checks; this only shows. Dismissable; a new link with new issues shows it again
 * (the page keys it by its issues).
 */
export function UrlParamNotice({ issues }: { issues: UrlParamIssue[] }) {
  const [open, setOpen] = useState(true)

  useEffect(() => {
    if (!issues.length) return
    // The router keeps in step with history.replaceState, without a new server render.
    const url = `${window.location.pathname}${withoutParams(window.location.search, issues)}${window.location.hash}`
    window.history.replaceState(window.history.state, '', url)
  }, [issues])

  if (!open || !issues.length) return null
  return (
    <div role="alert" data-testid="url-param-notice" className="flex items-start justify-between gap-3 rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
      <div>
        <p className="font-medium">{issues.length === 1 ? 'A parameter of this link was not applied:' : 'Some parameters of this link were not applied:'}</p>
        <ul className="list-disc pl-5">
          {issues.map((i) => (
            <li key={i.param}>
              <code>{i.param}</code>
              {i.value ? (
                <>
                  {' '}
                  = <code className="break-all">{i.value.length > 80 ? `${i.value.slice(0, 80)}…` : i.value}</code>
                </>
              ) : null}
              : {i.message}
            </li>
          ))}
        </ul>
      </div>
      <button type="button" className="btn px-2 py-0.5 text-xs" onClick={() => setOpen(false)}>
        Dismiss
      </button>
    </div>
  )
}
