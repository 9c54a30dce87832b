'use client'

import { useState } from 'react'

/** Copies text to the clipboard and says so; a labelled button (keyboard and screen readers). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false)
  return (
    <button
      type="button"
      className="btn px-2 py-0.5 text-xs"
      aria-label={label}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setDone(true)
          setTimeout(() => setDone(false), 1_500)
        })
      }}
    >
      {done ? 'Copied ✓' : 'Copy'}
    </button>
  )
}
